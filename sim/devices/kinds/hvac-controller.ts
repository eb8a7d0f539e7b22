import { round } from '../../../platform/contract/canonical-json.ts';
import { scheduledSetpoint } from '../hvac-schedule.ts';
import { changedBy, type KindBehaviour, type Values } from '../twin.ts';

/**
 * HVAC zone controller: drives its zone toward the scheduled setpoint (the zone model integrates
 * the heat), and reports zone temperature, setpoint, mode and output. A failing compressor shows
 * the way it does in the field: output pinned high while the zone drifts away from setpoint.
 */
export const hvacController: KindBehaviour = {
  onSample(twin, now_ms) {
    const zone = twin.zone;
    if (!zone) return;
    const world = twin.host.world;
    const local = world.local(zone.site, now_ms);
    const outdoor = world.outdoor(zone.site, now_ms);
    const override = twin.local.setpoint_override_c as number | undefined;
    const health = (twin.local.health as number | undefined) ?? 1;
    // A schedule the operator changed (timeline `schedule` action) replaces the building's default.
    const schedule = twin.local.schedule_override as ((l: typeof local, outdoor_c: number) => number) | undefined;
    const scheduled = schedule ? schedule(local, outdoor.temperature_c) : scheduledSetpoint(zone.building_type, local, outdoor.temperature_c);
    zone.hvac = { setpoint_c: override ?? scheduled, mode: 'auto', health };
  },
  measure(twin): Values {
    const zone = twin.zone;
    const temp = zone?.state.temperature_c ?? 20;
    const capacity = zone?.params.hvac_capacity_w ?? 1;
    const output = Math.max(-100, Math.min(100, Math.round((100 * (zone?.last_hvac_power_w ?? 0)) / capacity)));
    const values: Values = {
      zone_temp_c: round(temp + twin.rng.normal(0, 0.05), 1),
      setpoint_c: zone?.hvac?.setpoint_c ?? 21,
      mode: zone?.hvac?.mode ?? 'off',
      output_pct: output,
    };
    if (twin.model.caps.includes('supply_temp_c')) values.supply_temp_c = round(temp + (output >= 0 ? 0.18 : 0.1) * output, 1);
    if (twin.model.caps.includes('humidity_pct')) values.humidity_pct = round(zone?.state.humidity_pct ?? 45, 0);
    return values;
  },
  significant(prev, next, deadband) {
    return (
      changedBy(prev, next, 'zone_temp_c', deadband) ||
      changedBy(prev, next, 'setpoint_c', 0.1) ||
      changedBy(prev, next, 'mode', 1) ||
      changedBy(prev, next, 'output_pct', 25)
    );
  },
};

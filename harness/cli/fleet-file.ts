import type { ProvisionedDevice } from '../../platform/ingest/admission.ts';
import { loadProvisioningFile, provisioningOf } from '../../platform/service/provisioning-file.ts';

/**
 * The provisioned fleet: from a scenario file through the simulator's own generator (loaded only
 * for a scenario, so the production module graph stays free of sim/), else from JSON/CSV.
 */
export async function loadFleetFile(file: string): Promise<Map<string, ProvisionedDevice>> {
  if (!/\.ya?ml$/i.test(file)) return loadProvisioningFile(file);
  const { loadScenario } = await import('../scenario/scenario.ts');
  const { generatePortfolio } = await import('../../sim/world/generate.ts');
  const scenario = loadScenario(file);
  const devices = generatePortfolio(scenario.name, scenario.fleet).devices;
  return provisioningOf(file, devices.map((d) => ({ where: d.id, value: { id: d.id, site: d.site_id, kind: d.kind, model: d.model } })));
}

// Monthly climate normals for the metros the bundled scenarios use, so a site named "Chicago"
// gets Chicago's January without the scenario spelling it out. Temperatures are the NOAA NCEI
// U.S. Climate Normals 1991–2020 monthly mean daily minimum and maximum at each metro's primary
// station, rounded to 0.1 °C; relative humidity is the mean of the morning and afternoon values
// of NOAA's Comparative Climatic Data, and sky cover the mean daytime cloud fraction from the
// same tables, both rounded (to 1 % and 0.05). See docs/world.md for the stations and caveats.

import type { MonthlyNormals } from './weather.ts';

export interface MetroClimate {
  readonly station: string;
  readonly latitude_deg: number;
  readonly normals: MonthlyNormals;
}

const m = (
  station: string,
  latitude_deg: number,
  min_c: number[],
  max_c: number[],
  rh_pct: number[],
  cloud: number[],
): MetroClimate => ({ station, latitude_deg, normals: { min_c, max_c, rh_pct, cloud } });

const METROS: Readonly<Record<string, MetroClimate>> = {
  'new york': m('New York Central Park (USW00094728)', 40.8,
    [-2.3, -1.4, 2.3, 7.8, 13.2, 18.4, 21.5, 21.1, 17.4, 11.1, 5.6, 0.8],
    [4.2, 5.7, 9.9, 16.6, 21.9, 26.5, 29.4, 28.5, 24.6, 18.1, 12.2, 6.8],
    [61, 59, 57, 55, 60, 63, 64, 66, 67, 65, 63, 63],
    [0.6, 0.6, 0.6, 0.6, 0.6, 0.55, 0.5, 0.5, 0.5, 0.5, 0.6, 0.6]),
  chicago: m("Chicago O'Hare (USW00094846)", 42.0,
    [-7.7, -5.7, -0.6, 4.8, 10.4, 16.2, 19.1, 18.6, 13.9, 7.3, 1.0, -4.4],
    [-0.2, 2.1, 8.3, 15.0, 21.4, 26.9, 29.2, 28.1, 24.2, 17.1, 9.1, 2.6],
    [72, 71, 68, 63, 63, 65, 67, 70, 70, 68, 72, 75],
    [0.7, 0.65, 0.65, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.55, 0.7, 0.7]),
  'los angeles': m('Los Angeles Downtown USC (USW00093134)', 34.0,
    [9.2, 10.0, 11.3, 12.8, 14.8, 16.7, 18.7, 19.0, 18.2, 15.4, 11.3, 8.9],
    [20.1, 20.3, 21.2, 22.6, 23.6, 25.6, 28.8, 29.3, 28.5, 25.8, 22.8, 19.8],
    [60, 64, 67, 68, 71, 73, 73, 73, 71, 67, 62, 59],
    [0.45, 0.5, 0.45, 0.4, 0.45, 0.45, 0.3, 0.3, 0.3, 0.35, 0.4, 0.4]),
  boston: m('Boston Logan (USW00014739)', 42.4,
    [-5.1, -4.0, -0.3, 4.9, 10.2, 15.5, 18.9, 18.6, 14.8, 9.0, 3.7, -1.3],
    [2.7, 3.9, 7.5, 13.6, 19.2, 24.6, 27.8, 26.9, 22.8, 16.7, 10.9, 5.4],
    [62, 61, 62, 62, 66, 68, 68, 70, 71, 68, 67, 65],
    [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.55, 0.5, 0.5, 0.55, 0.6, 0.6]),
  minneapolis: m('Minneapolis–St Paul (USW00014922)', 44.9,
    [-13.6, -11.2, -4.2, 2.7, 9.6, 15.4, 18.2, 16.9, 11.9, 4.6, -2.7, -9.9],
    [-4.7, -1.9, 5.3, 13.6, 20.6, 26.0, 28.6, 27.0, 22.6, 14.6, 5.5, -2.0],
    [72, 71, 69, 61, 61, 64, 66, 69, 70, 67, 72, 76],
    [0.65, 0.6, 0.65, 0.6, 0.6, 0.55, 0.45, 0.45, 0.5, 0.6, 0.7, 0.7]),
  dallas: m('Dallas–Fort Worth (USW00003927)', 32.9,
    [2.9, 5.1, 9.6, 13.9, 18.8, 23.2, 25.3, 25.1, 21.1, 14.9, 8.6, 4.1],
    [14.1, 16.4, 20.9, 25.2, 29.2, 33.6, 35.9, 35.9, 31.8, 26.2, 19.6, 14.7],
    [64, 63, 60, 61, 66, 62, 56, 56, 62, 62, 64, 65],
    [0.55, 0.55, 0.55, 0.5, 0.5, 0.4, 0.35, 0.35, 0.4, 0.4, 0.5, 0.55]),
  denver: m('Denver International (USW00003017)', 39.8,
    [-7.3, -6.8, -2.6, 0.9, 6.3, 11.8, 15.5, 14.2, 9.4, 2.4, -3.8, -7.7],
    [7.0, 7.6, 12.4, 15.9, 21.1, 27.9, 31.7, 30.5, 26.1, 18.5, 11.4, 6.7],
    [55, 55, 52, 49, 51, 47, 46, 48, 48, 48, 55, 56],
    [0.5, 0.5, 0.55, 0.6, 0.6, 0.45, 0.45, 0.45, 0.4, 0.4, 0.5, 0.5]),
  atlanta: m('Atlanta Hartsfield–Jackson (USW00013874)', 33.6,
    [1.7, 3.6, 7.3, 11.3, 16.1, 20.1, 21.9, 21.6, 18.4, 12.4, 6.4, 3.1],
    [12.1, 14.6, 18.8, 23.1, 27.1, 30.4, 31.9, 31.3, 28.4, 23.3, 17.8, 13.2],
    [67, 63, 62, 61, 66, 70, 74, 74, 72, 68, 68, 69],
    [0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.55, 0.5, 0.5, 0.4, 0.5, 0.6]),
  austin: m('Austin Camp Mabry (USW00013958)', 30.3,
    [4.5, 6.6, 10.6, 14.3, 18.9, 22.4, 23.4, 23.4, 20.8, 15.7, 9.8, 5.7],
    [17.0, 19.3, 23.4, 27.2, 30.7, 34.1, 35.6, 36.3, 32.8, 27.9, 21.8, 17.7],
    [66, 65, 64, 66, 70, 68, 63, 62, 66, 66, 67, 67],
    [0.55, 0.55, 0.55, 0.5, 0.5, 0.4, 0.35, 0.35, 0.4, 0.4, 0.5, 0.55]),
  seattle: m('Seattle–Tacoma (USW00024233)', 47.4,
    [2.3, 2.1, 3.6, 5.5, 8.5, 11.2, 13.5, 13.7, 11.4, 7.8, 4.4, 2.3],
    [8.2, 9.6, 12.1, 15.2, 19.1, 22.0, 26.1, 26.2, 22.5, 16.2, 10.8, 7.8],
    [78, 75, 73, 69, 66, 64, 62, 65, 70, 77, 80, 80],
    [0.8, 0.8, 0.8, 0.7, 0.65, 0.6, 0.4, 0.4, 0.5, 0.7, 0.8, 0.85]),
};

/** The normals for a metro name (case and surrounding space ignored), if bundled. */
export function metroClimate(metro: string): MetroClimate | undefined {
  const key = metro.trim().toLowerCase();
  return Object.hasOwn(METROS, key) ? METROS[key] : undefined;
}

export function bundledMetros(): string[] {
  return Object.keys(METROS).sort();
}

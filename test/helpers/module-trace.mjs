// `node --import ./test/helpers/module-trace.mjs …` records the URL of every module the process
// loads into $MODULE_TRACE_FILE, one per line: the module graph a test can assert on (e.g. that
// `msp-twin platform` loads nothing from sim/).
import { register } from 'node:module';

register('./module-trace-hooks.mjs', import.meta.url, { data: { file: process.env.MODULE_TRACE_FILE } });

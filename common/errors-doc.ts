import { ERROR_CODES, EXIT_CODE_OF, type ExitClass } from './errors.ts';

const CLASS_TEXT: Readonly<Record<ExitClass, string>> = {
  expectation: 'a scenario expectation failed (the run itself completed)',
  bad_input: 'bad input: a flag, a file, a scenario, a port in use — yours to fix',
  internal: 'a bug in msp-twin or a safety bound hit inside it — please report it with `MSP_TWIN_DEBUG=1`',
  transport: 'the broker or the network failed the run: refused, unreachable, lost or withheld messages',
};

/** docs/errors.md, generated from ERROR_CODES so the page cannot drift from the code. */
export function renderErrorsDoc(): string {
  const lines = [
    '# Errors and exit codes',
    '',
    '<!-- Generated from common/errors.ts by `npm run docs:errors`; a test fails when this page is stale. -->',
    '',
    'Every error msp-twin raises on purpose carries a stable code (in parentheses at the end of its',
    'one-line message, or as `code` in an API error body) and an exit class that decides the exit code.',
    'A user\'s mistake never prints "internal error".',
    '',
    '| exit code | class | meaning |',
    '|---|---|---|',
    '| 0 | ok | success |',
    ...(Object.keys(EXIT_CODE_OF) as ExitClass[]).map((c) => `| ${EXIT_CODE_OF[c]} | ${c} | ${CLASS_TEXT[c]} |`),
    '',
    '## Codes',
    '',
    '| code | exit | meaning |',
    '|---|---|---|',
    ...Object.entries(ERROR_CODES)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([code, info]) => `| \`${code}\` | ${EXIT_CODE_OF[info.exit]} (${info.exit}) | ${info.meaning.replaceAll('|', '\\|')} |`),
    '',
  ];
  return lines.join('\n');
}

// `npm run docs:errors`: regenerates docs/errors.md from the error table in common/errors.ts.
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from '../../common/errors-doc.ts';

writeFileSync(new URL('../../docs/errors.md', import.meta.url), renderErrorsDoc());

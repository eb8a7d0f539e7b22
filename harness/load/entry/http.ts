// Child process entry: the HTTP load on the platform API (harness/load/http-load.ts).
import { serveHttpLoad } from '../http-load.ts';

serveHttpLoad();

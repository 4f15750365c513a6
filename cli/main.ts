// Entry point for `npm start` and `tsx cli/main.ts`; bin/bsn-care.js uses cli/app.ts directly.
import { main } from './app.ts';

process.exitCode = await main(process.argv.slice(2));

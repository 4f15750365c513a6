import type { Command } from '../command.ts';
import { main } from '../app.ts';

// `npm start` runs this. Until the end-to-end simulation exists (issue 5) it shows what the
// command line offers, so a fresh `npm install && npm start` always does something useful.
export const command: Command = {
  name: 'start',
  summary: 'the main job: run the default simulation (for now: shows this help)',
  usage: 'Usage: bsn-care start\n\nRuns the default end-to-end simulation.',
  async run() {
    await main(['--help']);
    return 0;
  },
};

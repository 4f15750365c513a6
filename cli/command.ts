/** A subcommand of `bsn-care`. Each lives in cli/commands/NAME.ts and exports `command`. */
export interface Command {
  /** The word typed after `bsn-care`. */
  readonly name: string;
  /** One line for `bsn-care --help`. */
  readonly summary: string;
  /** Full usage text for `bsn-care NAME --help`. */
  readonly usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** A user error: printed as one line without a stack, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

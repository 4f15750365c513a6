// Structured logging: one JSON object per line to a sink. Callers pass only non-secret fields
// (ids, codes, counts); keys, kls, tokens, message texts and request bodies are never logged.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

export interface Logger {
  log(level: LogLevel, event: string, fields?: LogFields): void;
}

export function jsonLogger(sink: (line: string) => void, now: () => number = () => Date.now()): Logger {
  return {
    log(level, event, fields = {}) {
      sink(JSON.stringify({ t: now(), level, event, ...fields }));
    },
  };
}

export const silentLogger: Logger = { log: () => undefined };

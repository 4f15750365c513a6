/** A digital input pin (true = high). */
export interface DigitalIn {
  read(): boolean;
}

/** A digital output pin (true = high). */
export interface DigitalOut {
  write(high: boolean): void;
  /** The level last written. */
  readonly level: boolean;
}

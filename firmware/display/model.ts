// What the display shows, as the rest of the firmware hands it over. Absent (or non-finite)
// values are shown as "--", never as 0.

export type DisplayFault =
  | 'lead-off'
  | 'cuff-leak'
  | 'cuff-overpressure'
  | 'ppg-no-signal'
  | 'temp-sensor'
  | 'adc-saturated'
  | 'sensor-fault';

export type AlarmSeverity = 'mild' | 'critical';

export type ServerState = 'ok' | 'offline' | 'authenticating';

export interface DisplayModel {
  /** From the ECG (QRS detection). */
  heartRateBpm?: number;
  /** From the PPG pulse sensor. */
  pulseRateBpm?: number;
  tempC?: number;
  /** The last completed cuff measurement and how long ago it finished. */
  bp?: { systolicMmHg: number; diastolicMmHg: number; ageMs: number };
  faults: readonly DisplayFault[];
  alarm?: { condition: string; severity: AlarmSeverity };
  /**
   * The stress add-on's screen (informational; absent when the add-on is not fitted): `text` is
   * the level line ("Stress high   81", "Stress --", "Stress: GSR off"), `detail` the second line.
   */
  stress?: { text: string; detail: string };
  network: {
    registered: boolean;
    /** 0–4. */
    signalBars: number;
    gprs: boolean;
    server: ServerState;
    /** Readings waiting in the store-and-forward queue. */
    queued: number;
  };
}

// The default action tables (data; validated by validateActionTables on load). Every fault the
// device reports has a row, so none is dropped silently, except 'noisy' and 'motion': transient
// artefacts the device retries through (shown on the LCD and the cloud-link page, stored, not
// notified). An operator file
// with the same shape can replace them: bsn-care server --actions FILE.json.
export const DEFAULT_ACTION_TABLES: unknown = {
  "format": 1,
  "tables": {
    "blood-pressure": {
      "measure": "systolicMmHg",
      "rows": [
        { "above": 120, "level": "mild", "why": "above normal: the LPU beeps, the server records a mild event" },
        { "above": 130, "level": "family", "why": "inform the family (fr)" },
        { "above": 145, "level": "physician", "why": "family, then the local physician in turn (pr)" },
        { "above": 160, "level": "emergency", "why": "fr and pr false: the emergency unit with the verified location (er)" }
      ]
    },
    "heart-rate": {
      "measure": "heartRateBpm",
      "rows": [
        { "below": 50, "level": "family", "why": "bradycardia" },
        { "below": 40, "level": "physician", "why": "marked bradycardia" },
        { "below": 30, "level": "emergency", "why": "severe bradycardia" },
        { "above": 110, "level": "family", "why": "tachycardia at rest" },
        { "above": 130, "level": "physician", "why": "marked tachycardia" },
        { "above": 170, "level": "emergency", "why": "severe tachycardia" }
      ]
    },
    "temperature": {
      "measure": "tempC",
      "rows": [
        { "above": 37.5, "level": "mild", "why": "raised temperature" },
        { "above": 38.0, "level": "family", "why": "fever" },
        { "above": 39.5, "level": "physician", "why": "high fever" },
        { "above": 41.0, "level": "emergency", "why": "hyperpyrexia" },
        { "below": 35.0, "level": "physician", "why": "hypothermia" },
        { "below": 32.0, "level": "emergency", "why": "severe hypothermia" }
      ]
    },
    "spo2": {
      "measure": "spo2Percent",
      "rows": [
        { "below": 94, "level": "mild", "why": "slightly low saturation" },
        { "below": 92, "level": "family", "why": "low saturation" },
        { "below": 88, "level": "physician", "why": "hypoxaemia" },
        { "below": 85, "level": "emergency", "why": "severe hypoxaemia" }
      ]
    },
    "rhythm": {
      "measure": "rhythm",
      "rows": [
        { "equals": "af", "level": "physician", "why": "atrial fibrillation" },
        { "equals": "vt", "level": "critical", "why": "ventricular tachycardia: emergency directly" },
        { "equals": "vf", "level": "critical", "why": "ventricular fibrillation: emergency directly" },
        { "equals": "asystole", "level": "critical", "why": "asystole: emergency directly" }
      ]
    },
    "fault": {
      "measure": "fault",
      "rows": [
        { "equals": "lead-off", "level": "fault", "why": "ECG electrode off" },
        { "equals": "cuff-leak", "level": "fault", "why": "blood-pressure cuff does not hold pressure" },
        { "equals": "adc-saturated", "level": "fault", "why": "sensor signal saturated" },
        { "equals": "no-signal", "level": "fault", "why": "no signal from the sensor" },
        { "equals": "out-of-range", "level": "fault", "why": "reading outside the sensor's range" },
        { "equals": "probe-open", "level": "fault", "why": "temperature probe disconnected" },
        { "equals": "implausible", "level": "fault", "why": "sensor reads a physically implausible value" },
        { "equals": "no-pulse", "level": "fault", "why": "pulse sensor finds no pulse (off the finger)" },
        { "equals": "flat", "level": "fault", "why": "sensor signal flat" },
        { "equals": "sensor-fault", "level": "fault", "why": "sensor reports a fault" },
        { "equals": "pump-fault", "level": "fault", "why": "cuff pump does not build pressure" },
        { "equals": "overpressure", "level": "fault", "why": "cuff over-pressure cut-off" },
        { "equals": "timeout", "level": "fault", "why": "blood-pressure cycle timed out" },
        { "equals": "no-oscillations", "level": "fault", "why": "cuff finds no oscillations (cuff loose or misplaced)" }
      ]
    }
  }
};

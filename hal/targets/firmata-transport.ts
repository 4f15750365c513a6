// Opening the board's serial port (USB on the Uno) for Firmata, with failures a user can act on:
// the port is missing, busy (another program holds it: the Arduino IDE's serial monitor, a second
// bsn-care), or not permitted. serialport's `lock` takes an exclusive flock on the device.
import { SerialPort as NodeSerialPort } from 'serialport';

import { classifyOpenError, type SerialOpenFailure } from './node-serial.ts';

export type PortOpenFailure = SerialOpenFailure;

export class PortOpenError extends Error {
  override readonly name = 'PortOpenError';
  constructor(readonly path: string, readonly reason: PortOpenFailure, detail: string) {
    super(
      reason === 'missing'
        ? `serial port ${path} does not exist`
        : reason === 'busy'
          ? `serial port ${path} is busy: another program has it open (the Arduino IDE's serial monitor? another bsn-care?)`
          : reason === 'permission'
            ? `no permission to open ${path} (add yourself to the dialout group)`
            : `cannot open ${path}: ${detail}`,
    );
  }
}

/** Opens `path` at `baud` (Firmata: 57600) with an exclusive lock; resolves to the open stream. */
export function openSerialStream(path: string, baud = 57600): Promise<NodeSerialPort> {
  const port = new NodeSerialPort({ path, baudRate: baud, autoOpen: false, lock: true });
  return new Promise((resolve, reject) => {
    port.open((err) => (err ? reject(new PortOpenError(path, classifyOpenError(err.message), err.message)) : resolve(port)));
  });
}

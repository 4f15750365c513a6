// The SIM card's phonebook ("SM" storage): numbered slots holding number, type of address and name.
export interface PhonebookSlot {
  number: string;
  /** 145 international, 129 national/unknown (3GPP TS 24.008 type of number). */
  type: number;
  name: string;
}

export class SimPhonebook {
  private readonly slots = new Map<number, PhonebookSlot>();

  constructor(readonly capacity = 250, readonly numberMax = 40, readonly nameMax = 14) {}

  read(index: number): PhonebookSlot | undefined {
    return this.slots.get(index);
  }

  /** Entries in index order. */
  entries(): Array<[number, PhonebookSlot]> {
    return [...this.slots.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** 'ok', or why the SIM refuses (mapped to +CME ERROR codes by the model). */
  write(index: number, slot: PhonebookSlot): 'ok' | 'invalid-index' | 'number-too-long' | 'name-too-long' {
    if (!this.validIndex(index)) return 'invalid-index';
    if (slot.number.length > this.numberMax) return 'number-too-long';
    if (slot.name.length > this.nameMax) return 'name-too-long';
    this.slots.set(index, { ...slot });
    return 'ok';
  }

  delete(index: number): boolean {
    if (!this.validIndex(index)) return false;
    this.slots.delete(index);
    return true;
  }

  validIndex(index: number): boolean {
    return Number.isInteger(index) && index >= 1 && index <= this.capacity;
  }
}

// Who to notify for one patient, given at registration by the operator.
import type { Role } from './escalation.ts';

export interface Contact {
  readonly name?: string;
  readonly phone?: string;
  readonly email?: string;
}

export type Contacts = Readonly<Partial<Record<Role, Contact>>>;

const PHONE = /^\+?[0-9]{3,20}$/;
const EMAIL = /^[^\s@<>",]{1,64}@[^\s@<>",]{1,253}$/;

export type ContactsResult = { ok: true; value: Contacts } | { ok: false; message: string };

/** Validates contacts from a registration request: family, physician and emergency need a phone. */
export function validateContacts(x: unknown): ContactsResult {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return { ok: false, message: 'contacts must be an object' };
  const out: Partial<Record<Role, Contact>> = {};
  for (const [role, c] of Object.entries(x)) {
    if (!['family', 'physician', 'emergency', 'technical'].includes(role)) return { ok: false, message: `unknown contact role ${role}` };
    if (typeof c !== 'object' || c === null) return { ok: false, message: `${role}: must be an object` };
    const { name, phone, email } = c as Record<string, unknown>;
    if (name !== undefined && (typeof name !== 'string' || name.length > 100)) return { ok: false, message: `${role}: bad name` };
    if (phone !== undefined && (typeof phone !== 'string' || !PHONE.test(phone))) return { ok: false, message: `${role}: phone must be digits with an optional +` };
    if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email))) return { ok: false, message: `${role}: bad email address` };
    out[role as Role] = { ...(name !== undefined ? { name } : {}), ...(phone !== undefined ? { phone } : {}), ...(email !== undefined ? { email } : {}) } as Contact;
  }
  for (const role of ['family', 'physician', 'emergency'] as const) if (!out[role]?.phone) return { ok: false, message: `${role}.phone is required` };
  return { ok: true, value: out };
}

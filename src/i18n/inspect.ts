// UI strings of the "under the hood" demos (handshake, Accept calculator, frame inspector, the
// browser API demo, echo and chat), one flat key space per locale like ui.ts; the dictionaries
// live in inspect-strings/. Longer teaching text about headers and frame fields lives with its
// data in src/lib/inspect/*-notes.ts.

import { translator, type Locale } from './ui.ts';
import { en } from './inspect-strings/en.ts';
import { zh, type InspectKey } from './inspect-strings/zh.ts';

export type { InspectKey };

const strings: Record<Locale, Record<InspectKey, string>> = { zh, en };

/** A string of the inspect demos, with `{name}` placeholders filled from `values`. */
export const ti = translator<InspectKey>(strings);

/** Every key, for the parity test. */
export const INSPECT_KEYS = Object.keys(zh) as InspectKey[];
export const inspectStrings = strings;

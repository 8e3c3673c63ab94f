// What a lane is called on screen: the transport's name, or "Short polling 250 ms" in the sweep.
import { rt } from '../../i18n/race.ts';
import { t, type Locale } from '../../i18n/ui.ts';
import { formatInterval } from './format.ts';
import type { LaneSpec } from './recording.ts';

export function laneLabel(lang: Locale, spec: Pick<LaneSpec, 'transport' | 'pollIntervalMs'>): string {
  if (spec.transport === 'short-poll' && spec.pollIntervalMs !== undefined) {
    return rt(lang, 'sweep.lane', { interval: formatInterval(lang, spec.pollIntervalMs) });
  }
  return t(lang, `transport.${spec.transport}`);
}

import { describe, expect, it } from 'vitest';
import type { TransportFigures } from '../../src/protocol/feed.ts';
import { TRANSPORTS, type TransportName } from '../../src/protocol/transports.ts';
import { laneAxisMs, ledgerRates, quantile, summarise } from '../../src/lib/classroom/figures.ts';
import { answerBars, isRightAnswer, questionRequest, type ClassroomQuestion } from '../../src/lib/classroom/questions.ts';

const figures = (over: Partial<TransportFigures> = {}): TransportFigures => ({
  requests: 0, requestHeaderBytes: 0, responseHeaderBytes: 0, payloadBytes: 0, framingBytes: 0, framesIn: 0, framesOut: 0, openConnections: 0, ...over,
});
const ledger = (each: Partial<TransportFigures>) => Object.fromEntries(TRANSPORTS.map((name) => [name, figures(each)])) as Record<TransportName, TransportFigures>;

describe('the projector arithmetic', () => {
  it('takes medians and spreads of ascending delays', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(summarise([5, 10, 700])).toEqual({ count: 3, median: 10, min: 5, max: 700 });
    expect(Number.isNaN(summarise([]).median)).toBe(true);
  });

  it('ends the buzz axis at the slowest delay or the poll interval, on a tidy step', () => {
    expect(laneAxisMs([3, 40], 1000)).toBe(1000);
    expect(laneAxisMs([3, 1200], 1000)).toBe(2000);
    expect(laneAxisMs([], 250)).toBe(250);
  });

  it('turns two ledgers into per-second rates, never negative, with open connections as they are now', () => {
    const before = ledger({ requests: 10, requestHeaderBytes: 1000, payloadBytes: 50 });
    const after = ledger({ requests: 30, requestHeaderBytes: 3000, responseHeaderBytes: 1000, payloadBytes: 250, openConnections: 2 });
    const rates = ledgerRates(before, after, 2)[TRANSPORTS[0]!];
    expect(rates).toEqual({ requestsPerSecond: 10, headerBytesPerSecond: 1500, bytesPerSecond: 1600, openConnections: 2 });
    expect(ledgerRates(after, before, 2)[TRANSPORTS[0]!].requestsPerSecond).toBe(0);
  });
});

describe('lesson questions in the classroom', () => {
  const choice: ClassroomQuestion = {
    lessonTitle: '01',
    lessonOrder: 1,
    lessonUrl: '/en/lessons/01-why-http-cant-push/',
    question: { id: 'q', kind: 'choice', prompt: 'p', choices: ['a', 'b', 'c'], answer: 1, explanation: 'e' },
  };
  const number: ClassroomQuestion = { lessonTitle: '02', lessonOrder: 2, lessonUrl: '/en/lessons/02-short-polling/', question: { id: 'n', kind: 'number', prompt: 'p', answer: 10, tolerance: 1, explanation: 'e' } };

  it('sends the phones the prompt and choices, never the answer', () => {
    expect(questionRequest(choice)).toEqual({ id: 'q', prompt: 'p', choices: ['a', 'b', 'c'] });
    expect(questionRequest(number)).toEqual({ id: 'n', prompt: 'p' });
  });

  it('draws a bar for every choice, and one per number answered in ascending order', () => {
    expect(answerBars(choice.question, { 2: 4 }).map((bar) => bar.count)).toEqual([0, 0, 4]);
    expect(answerBars(number.question, { 12: 1, 9.5: 2 }).map((bar) => bar.value)).toEqual([9.5, 12]);
  });

  it('marks the right answer, a number within its tolerance', () => {
    expect(isRightAnswer(choice.question, 1)).toBe(true);
    expect(isRightAnswer(number.question, 9.5)).toBe(true);
    expect(isRightAnswer(number.question, 12)).toBe(false);
  });
});

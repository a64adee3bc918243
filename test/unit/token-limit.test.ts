import fc from 'fast-check';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { exceedsTokenLimit } from '../../src/graphql/token-limit.js';

/** graphql-js's own verdict: does parse with `maxTokens` refuse the document for its token count? */
function parserRefuses(document: string, max: number): boolean {
  try {
    parse(document, { maxTokens: max });
    return false;
  } catch (error) {
    return /more that|more than/.test(String(error));
  }
}

describe('exceedsTokenLimit', () => {
  it('counts tokens as graphql-js counts them for maxTokens, comments excluded', () => {
    const documents = [
      '{ __typename }',
      '# a comment\n{ a b c }',
      'query($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } } # trailing',
      '{ f(s: "a string with { braces }", b: """block""") { ...F } } fragment F on T { x }',
    ];
    for (const document of documents) {
      for (let max = 1; max < 40; max++) expect(exceedsTokenLimit(document, max), `${document} @ ${max}`).toBe(parserRefuses(document, max));
    }
  });

  it('agrees with the parser on generated selections', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    fc.assert(
      fc.property(fc.array(name, { maxLength: 60 }), fc.integer({ min: 1, max: 80 }), (fields, max) => {
        const document = `{ ${fields.join(' ')} __typename }`;
        expect(exceedsTokenLimit(document, max)).toBe(parserRefuses(document, max));
      }),
    );
  });

  it('stops at the limit: a 30 MB document is judged in milliseconds', () => {
    const document = `{ ${'a '.repeat(15_000_000)}}`;
    const started = performance.now();
    expect(exceedsTokenLimit(document, 1000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('leaves a document that does not lex to the parser', () => {
    expect(exceedsTokenLimit('{ "unterminated', 1000)).toBe(false);
  });
});

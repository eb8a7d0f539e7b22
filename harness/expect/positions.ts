import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';

/**
 * 1-based line of each item of a top-level list (e.g. `expect:`), so results and JUnit cases can
 * point back at the entry that produced them. Empty when the section is absent or not a list.
 */
export function itemLines(text: string, key: string): number[] {
  const line_counter = new LineCounter();
  const doc = parseDocument(text.startsWith('\uFEFF') ? text.slice(1) : text, { lineCounter: line_counter });
  if (!isMap(doc.contents)) return [];
  const pair = doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair || !isSeq(pair.value)) return [];
  return pair.value.items.map((item) => {
    const offset = (item as { range?: [number, number, number] } | null)?.range?.[0];
    return offset === undefined ? 0 : line_counter.linePos(offset).line;
  });
}

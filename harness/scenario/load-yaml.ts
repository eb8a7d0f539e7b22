import { readFileSync } from 'node:fs';
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, YAMLError } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.ts';
import { ScenarioError, describeValue } from './errors.ts';
import type { ScenarioErrorCode, ScenarioIssue } from './errors.ts';

/**
 * YAML + zod loading that keeps the promise "a bad scenario file gets one clear line citing
 * file:line:col and the offending key". zod validates the plain JS value; the YAML document is
 * kept only so each zod issue path can be mapped back to a source position.
 *
 * Generic over any zod 4 schema: the loader never imports the scenario schema, it only inspects
 * `schema._zod.def` to find allowed keys for did-you-mean suggestions.
 */

type PathKey = string | number;
type AnySchema = z.core.$ZodType;
type ZodIssue = z.core.$ZodIssue;

interface Ctx {
  file: string;
  doc: Document;
  line_counter: LineCounter;
  data: unknown;
  schema: AnySchema;
  /** `formatKeyPath(map path + key)` of keys that some unknown-key issue suggested. */
  suggested: Set<string>;
  /** Missing-key issues and the same identity, so a typo is reported once, not twice. */
  missing: Map<ScenarioIssue, string>;
}

/** A problem found after the schema passed (cross-references: a rollout naming unknown firmware). */
export interface SemanticIssue {
  readonly path: readonly PathKey[];
  readonly message: string;
}

/**
 * Parse `text` (the contents of `file`, used only for messages) and validate it against `schema`,
 * then against `check` (cross-field rules the schema cannot express), each issue placed at its path.
 */
export function parseYamlWithSchema<T>(text: string, file: string, schema: z.ZodType<T>, check?: (data: T) => SemanticIssue[]): T {
  // A byte-order mark would shift every column on line 1 by one relative to what editors show.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  const line_counter = new LineCounter();
  // prettyErrors off: positions come from the LineCounter, and the pretty form would append a
  // multi-line source excerpt to what must stay a one-line message.
  const doc = parseDocument(text, { lineCounter: line_counter, prettyErrors: false, uniqueKeys: true });

  // Warnings (e.g. an unknown `!tag` silently read as a string) are errors here: a scenario
  // file is hand-written, and anything the parser had to guess about deserves a stop.
  const yaml_problems = [...doc.errors, ...doc.warnings];
  if (yaml_problems.length > 0) {
    throw new ScenarioError(sortIssues(yaml_problems.map((e) => yamlIssue(e, doc, line_counter, file, text))));
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // toJS only throws for alias abuse (billion-laughs style expansion) or broken references.
    const message = err instanceof Error ? err.message : String(err);
    throw new ScenarioError([{ code: 'SCENARIO_YAML', file, line: 1, column: 1, key_path: '(root)', message: `invalid YAML: ${message}` }], { cause: err });
  }

  const result = schema.safeParse(data);
  const ctx: Ctx = { file, doc, line_counter, data, schema, suggested: new Set(), missing: new Map() };
  if (result.success) {
    const semantic = check?.(result.data) ?? [];
    if (semantic.length === 0) return result.data;
    throw new ScenarioError(
      sortIssues(semantic.map((i) => ({ code: 'SCENARIO_VALUE' as const, file, ...valuePosition(ctx, i.path), key_path: formatKeyPath(i.path), message: `${formatKeyPath(i.path)}: ${i.message}` }))),
    );
  }

  const issues = result.error.issues.flatMap((issue) => convertIssue(issue, [], ctx));
  // `floorz: 3` yields both "unknown key floorz (did you mean floors?)" and "missing floors";
  // that is one typo, and the unknown-key line (at the typo, with the fix) is the useful one.
  const merged = issues.filter((i) => {
    const id = ctx.missing.get(i);
    return id === undefined || !ctx.suggested.has(id);
  });
  throw new ScenarioError(sortIssues(dedupe(merged)));
}

/** Read and load a scenario file. `path` is echoed in messages as given, so pass it as the user typed it. */
export function loadYamlFile<T>(path: string, schema: z.ZodType<T>, check?: (data: T) => SemanticIssue[]): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(
      [{ code: 'SCENARIO_READ', file: path, line: 0, column: 0, key_path: '(root)', message: `cannot read scenario file (${readFailure(err)})` }],
      { cause: err },
    );
  }
  return parseYamlWithSchema(text, path, schema, check);
}

function readFailure(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

// ---------------------------------------------------------------------------------------------
// Issue bookkeeping

function sortIssues(issues: ScenarioIssue[]): ScenarioIssue[] {
  // Array.prototype.sort is stable, so issues at the same spot keep zod's order.
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

function dedupe(issues: ScenarioIssue[]): ScenarioIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.line}:${i.column}:${i.code}:${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** `fleet.sites[1].buildings[0].type`; keys that are not identifiers are bracket-quoted. */
export function formatKeyPath(path: readonly PathKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : describeValue(v))).join(', ');
}

function orList(items: readonly string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? 'something else';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

function suggestion(word: unknown, candidates: readonly unknown[]): string {
  if (typeof word !== 'string') return '';
  const hit = didYouMean(word, candidates.filter((c): c is string => typeof c === 'string'));
  return hit === undefined ? '' : ` (did you mean "${hit}"?)`;
}

// ---------------------------------------------------------------------------------------------
// YAML syntax problems

function yamlIssue(err: YAMLError, doc: Document, line_counter: LineCounter, file: string, text: string): ScenarioIssue {
  const offset = err.pos[0];
  const { line, col } = line_counter.linePos(offset);
  const path = pathAtOffset(doc.contents, offset, []);
  let message: string;
  if (err.code === 'DUPLICATE_KEY') {
    // The error range covers only the key's first character, so take the key from the AST.
    const last = path[path.length - 1];
    const key = last === undefined ? text.slice(err.pos[0], err.pos[1]) : String(last);
    message = `duplicate key "${key}" in ${formatKeyPath(path.slice(0, -1))}`;
  } else if (err.code === 'MULTIPLE_DOCS') {
    // yaml's own text recommends an API call, which means nothing to a scenario author.
    message = 'a scenario file must hold a single YAML document, found another after "---"';
  } else {
    message = `invalid YAML: ${err.message}`;
  }
  return { code: 'SCENARIO_YAML', file, line, column: col, key_path: formatKeyPath(path), message };
}

/** Key path of the deepest node whose source range covers `offset`; best effort on broken docs. */
function pathAtOffset(node: unknown, offset: number, path: PathKey[]): PathKey[] {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isNode(pair.key) ? pair.key : null;
      const value = isNode(pair.value) ? pair.value : null;
      const start = key?.range?.[0] ?? value?.range?.[0];
      const end = value?.range?.[2] ?? key?.range?.[2];
      if (start === undefined || end === undefined || offset < start || offset > end) continue;
      const here = [...path, keyString(pair.key)];
      return value !== null && inRange(value, offset) ? pathAtOffset(value, offset, here) : here;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      if (isNode(item) && inRange(item, offset)) return pathAtOffset(item, offset, [...path, i]);
    }
  }
  return path;
}

function inRange(node: YamlNode, offset: number): boolean {
  const r = node.range;
  return r != null && offset >= r[0] && offset <= r[2];
}

function keyString(key: unknown): string {
  // Mirrors how toJS() turns keys into object property names.
  if (isScalar(key)) return String(key.value);
  return String(key);
}

// ---------------------------------------------------------------------------------------------
// Mapping zod paths back to YAML nodes

interface Located {
  /** Deepest node reached. */
  node: YamlNode | null;
  /** Key node of the pair that led to `node`, when the last step went through a map. */
  key: YamlNode | null;
  /** How many path segments were resolved; < path.length when the data isn't in the source. */
  resolved: number;
}

function locate(doc: Document, path: readonly PathKey[]): Located {
  let node: YamlNode | null = isNode(doc.contents) ? doc.contents : null;
  let key: YamlNode | null = null;
  for (const [i, seg] of path.entries()) {
    // Follow aliases so `*anchor` values still resolve; errors then point at the anchored node.
    if (isAlias(node)) node = node.resolve(doc) ?? null;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyString(p.key) === String(seg));
      if (pair === undefined) return { node, key, resolved: i };
      key = isNode(pair.key) ? pair.key : null;
      node = isNode(pair.value) ? pair.value : null;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (!isNode(item)) return { node, key, resolved: i };
      key = null;
      node = item;
    } else {
      return { node, key, resolved: i };
    }
  }
  if (isAlias(node)) node = node.resolve(doc) ?? node;
  return { node, key, resolved: path.length };
}

function position(ctx: Ctx, node: YamlNode | null | undefined): { line: number; column: number } {
  const offset = node?.range?.[0];
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = ctx.line_counter.linePos(offset);
  return { line, column: col };
}

/** Where a problem with the value at `path` should point. */
function valuePosition(ctx: Ctx, path: readonly PathKey[]): { line: number; column: number } {
  const found = locate(ctx.doc, path);
  // `key:` with nothing after it parses to an empty scalar positioned past the colon; the key
  // itself is what the user needs to look at.
  const empty = isScalar(found.node) && found.node.value === null && found.node.range != null && found.node.range[0] === found.node.range[1];
  if (found.resolved === path.length && !empty) return position(ctx, found.node);
  return position(ctx, found.key ?? found.node);
}

function keyPosition(ctx: Ctx, map_path: readonly PathKey[], key: string): { line: number; column: number } {
  const found = locate(ctx.doc, map_path);
  let node = found.node;
  if (isAlias(node)) node = node.resolve(ctx.doc) ?? null;
  if (found.resolved === map_path.length && isMap(node)) {
    const pair = node.items.find((p) => keyString(p.key) === key);
    if (pair !== undefined && isNode(pair.key)) return position(ctx, pair.key);
  }
  return position(ctx, found.node);
}

function dataAt(data: unknown, path: readonly PathKey[]): { found: boolean; value: unknown } {
  let value = data;
  for (const seg of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, seg)) return { found: false, value: undefined };
    value = (value as Record<PathKey, unknown>)[seg];
  }
  return { found: true, value };
}

/** True when `path` names a key that is absent from an existing mapping (a missing key). */
function isMissingKey(ctx: Ctx, path: readonly PathKey[]): boolean {
  if (path.length === 0) return false;
  const parent = dataAt(ctx.data, path.slice(0, -1));
  const last = path[path.length - 1];
  return (
    parent.found &&
    parent.value !== null &&
    typeof parent.value === 'object' &&
    !Array.isArray(parent.value) &&
    last !== undefined &&
    !Object.hasOwn(parent.value, last)
  );
}

// ---------------------------------------------------------------------------------------------
// zod issue → ScenarioIssue

function normalizePath(path: readonly PropertyKey[]): PathKey[] {
  return path.map((p) => (typeof p === 'number' ? p : String(p)));
}

const EXPECTED_NAMES: Record<string, string> = {
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  null: 'an empty value',
  date: 'a date',
  nonoptional: 'a value',
};

function expectedName(expected: string): string {
  return EXPECTED_NAMES[expected] ?? expected;
}

function convertIssue(issue: ZodIssue, prefix: readonly PathKey[], ctx: Ctx): ScenarioIssue[] {
  const path = [...prefix, ...normalizePath(issue.path)];
  const key_path = formatKeyPath(path);
  const { value } = dataAt(ctx.data, path);
  const make = (code: ScenarioErrorCode, message: string, at: { line: number; column: number }, kp: string = key_path): ScenarioIssue => ({
    code,
    file: ctx.file,
    line: at.line,
    column: at.column,
    key_path: kp,
    message,
  });
  const missing = (extra = ''): ScenarioIssue => {
    const parent = path.slice(0, -1);
    const issue = make('SCENARIO_MISSING_KEY', `missing required key "${String(path[path.length - 1])}" in ${formatKeyPath(parent)}${extra}`, valuePosition(ctx, parent));
    ctx.missing.set(issue, key_path);
    return issue;
  };

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(ctx.schema, path, ctx.data);
      const present = value !== null && typeof value === 'object' ? Object.keys(value) : [];
      // Keys the user already wrote are poor suggestions: `floors` next to `floorz` is a duplicate, not a typo fix.
      const candidates = allowed.filter((k) => !present.includes(k));
      return issue.keys.map((k) => {
        const hit = didYouMean(k, candidates);
        if (hit !== undefined) ctx.suggested.add(formatKeyPath([...path, hit]));
        const hint = hit === undefined ? '' : ` (did you mean "${hit}"?)`;
        return make('SCENARIO_UNKNOWN_KEY', `unknown key "${k}" in ${key_path}${hint}`, keyPosition(ctx, path, k), formatKeyPath([...path, k]));
      });
    }

    case 'invalid_type': {
      if (isMissingKey(ctx, path)) return [missing()];
      if (path.length === 0 && ctx.doc.contents === null) {
        return [make('SCENARIO_TYPE', `expected ${expectedName(issue.expected)}, got an empty document`, { line: 1, column: 1 })];
      }
      return [make('SCENARIO_TYPE', `${key_path}: expected ${expectedName(issue.expected)}, got ${describeValue(value)}`, valuePosition(ctx, path))];
    }

    case 'invalid_value': {
      if (isMissingKey(ctx, path)) return [missing()];
      const expected = issue.values.length === 1 ? describeValue(issue.values[0]) : `one of ${quoteList(issue.values)}`;
      return [make('SCENARIO_VALUE', `${key_path}: expected ${expected}, got ${describeValue(value)}${suggestion(value, issue.values)}`, valuePosition(ctx, path))];
    }

    case 'invalid_union':
      return convertUnion(issue, path, ctx, make, missing);

    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum;
      const cmp = issue.exact ? 'exactly' : small ? (issue.inclusive ? 'at least' : 'more than') : issue.inclusive ? 'at most' : 'less than';
      let message: string;
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        const op = issue.exact ? '=' : small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
        message = `expected ${issue.origin === 'number' ? 'a number' : 'an integer'} ${op} ${String(limit)}, got ${describeValue(value)}`;
      } else if (issue.origin === 'string') {
        message = `expected ${cmp} ${String(limit)} characters, got ${describeValue(value)}`;
      } else if (issue.origin === 'array' || issue.origin === 'set') {
        const count = Array.isArray(value) ? ` (got ${value.length})` : '';
        message = `expected ${cmp} ${String(limit)} items${count}`;
      } else {
        message = issue.message;
      }
      return [make('SCENARIO_VALUE', `${key_path}: ${message}`, valuePosition(ctx, path))];
    }

    case 'invalid_format': {
      const what = issue.format === 'regex' && issue.pattern !== undefined ? `text matching ${issue.pattern}` : `a valid ${issue.format}`;
      return [make('SCENARIO_VALUE', `${key_path}: expected ${what}, got ${describeValue(value)}`, valuePosition(ctx, path))];
    }

    case 'not_multiple_of':
      return [make('SCENARIO_VALUE', `${key_path}: expected a multiple of ${String(issue.divisor)}, got ${describeValue(value)}`, valuePosition(ctx, path))];

    case 'invalid_key': {
      // Record keys: zod puts the key itself last in the path; point at the key, not its value.
      const map_path = path.slice(0, -1);
      const key = String(path[path.length - 1] ?? '');
      const inner = issue.issues[0];
      const why =
        inner?.code === 'invalid_value'
          ? `expected one of ${quoteList(inner.values)}${suggestion(key, inner.values)}`
          : (inner?.message ?? issue.message);
      return [make('SCENARIO_VALUE', `invalid key "${key}" in ${formatKeyPath(map_path)}: ${why}`, keyPosition(ctx, map_path, key))];
    }

    case 'custom':
      // A type guard such as zDuration sees `undefined` for an absent key; "missing" is the real story.
      if (isMissingKey(ctx, path)) return [missing()];
      return [make('SCENARIO_VALUE', `${key_path}: ${issue.message}`, valuePosition(ctx, path))];

    default:
      if (isMissingKey(ctx, path)) return [missing()];
      return [make('SCENARIO_VALUE', `${key_path}: ${issue.message}`, valuePosition(ctx, path))];
  }
}

function convertUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  path: PathKey[],
  ctx: Ctx,
  make: (code: ScenarioErrorCode, message: string, at: { line: number; column: number }) => ScenarioIssue,
  missing: (extra?: string) => ScenarioIssue,
): ScenarioIssue[] {
  const key_path = formatKeyPath(path);
  const { value } = dataAt(ctx.data, path);

  // Discriminated union whose tag matched no option: zod points the path at the discriminator key.
  if (issue.discriminator !== undefined && issue.errors.length === 0 && 'options' in issue && issue.options !== undefined) {
    const options = issue.options;
    if (isMissingKey(ctx, path)) return [missing(` (one of ${quoteList(options)})`)];
    return [make('SCENARIO_VALUE', `${key_path}: expected one of ${quoteList(options)}, got ${describeValue(value)}${suggestion(value, options)}`, valuePosition(ctx, path))];
  }
  if (isMissingKey(ctx, path)) return [missing()];
  if (issue.inclusive === false || issue.errors.length === 0) {
    return [make('SCENARIO_VALUE', `${key_path}: ${issue.message}`, valuePosition(ctx, path))];
  }

  // A branch "rejects the shape" when it fails at the union's own level on type or literal value:
  // the input was never that kind of thing. If every branch does, list what would have fit.
  const shapeRejection = (branch: readonly ZodIssue[]): ZodIssue | undefined =>
    branch.find((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
  const rejections = issue.errors.map(shapeRejection);
  if (rejections.every((r) => r !== undefined)) {
    const alternatives: string[] = [];
    const literal_values: unknown[] = [];
    for (const r of rejections) {
      if (r?.code === 'invalid_type') alternatives.push(expectedName(r.expected));
      if (r?.code === 'invalid_value') {
        literal_values.push(...r.values);
        alternatives.push(...r.values.map((v) => describeValue(v)));
      }
    }
    const code: ScenarioErrorCode = literal_values.length === 0 ? 'SCENARIO_TYPE' : 'SCENARIO_VALUE';
    return [make(code, `${key_path}: expected ${orList(alternatives)}, got ${describeValue(value)}${suggestion(value, literal_values)}`, valuePosition(ctx, path))];
  }

  // Otherwise report the branch that got furthest: it accepted the shape, and with the fewest
  // complaints it is the most likely intent. Ties go to the earlier option (schema order).
  let best: readonly ZodIssue[] | undefined;
  for (const [i, branch] of issue.errors.entries()) {
    if (rejections[i] !== undefined) continue;
    if (best === undefined || branch.length < best.length) best = branch;
  }
  return (best ?? []).flatMap((sub) => convertIssue(sub, path, ctx));
}

// ---------------------------------------------------------------------------------------------
// Walking a zod schema along a data path (for did-you-mean candidates)

/** Just the parts of zod 4's internal `def` objects the walker reads. */
interface LooseDef {
  type: string;
  shape?: Record<string, AnySchema>;
  catchall?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  element?: AnySchema;
  keyType?: AnySchema;
  valueType?: AnySchema;
  options?: readonly AnySchema[];
  discriminator?: string;
  getter?: () => AnySchema;
  left?: AnySchema;
  right?: AnySchema;
  items?: readonly AnySchema[];
  rest?: AnySchema | null;
  entries?: Record<string, string | number>;
  values?: readonly unknown[];
}

function defOf(schema: AnySchema): LooseDef {
  return schema._zod.def as unknown as LooseDef;
}

// Recursive (z.lazy) schemas could loop forever; real scenario schemas are far shallower.
const MAX_UNWRAP_DEPTH = 64;

/**
 * Resolve wrappers down to the schemas that actually constrain `data`'s shape. Pipes and
 * transforms are followed on their input side, since that is what the YAML must look like.
 * Discriminated unions narrow to the option matching the data's tag, when one does.
 */
function expand(schema: AnySchema, data: unknown, out: AnySchema[], depth = 0): AnySchema[] {
  if (depth > MAX_UNWRAP_DEPTH) return out;
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
    case 'success':
      if (def.innerType) expand(def.innerType, data, out, depth + 1);
      return out;
    case 'pipe':
      if (def.in) expand(def.in, data, out, depth + 1);
      return out;
    case 'lazy':
      if (def.getter) expand(def.getter(), data, out, depth + 1);
      return out;
    case 'intersection':
      if (def.left) expand(def.left, data, out, depth + 1);
      if (def.right) expand(def.right, data, out, depth + 1);
      return out;
    case 'union': {
      let options = def.options ?? [];
      const tag = def.discriminator;
      if (tag !== undefined && isRecord(data) && Object.hasOwn(data, tag)) {
        const matching = options.filter((o) => literalValues(o, tag, depth).includes(data[tag]));
        if (matching.length > 0) options = matching;
      }
      for (const o of options) expand(o, data, out, depth + 1);
      return out;
    }
    default:
      out.push(schema);
      return out;
  }
}

/** Values a discriminated-union option accepts for its tag key. */
function literalValues(option: AnySchema, tag: string, depth: number): unknown[] {
  const values: unknown[] = [];
  for (const obj of expand(option, undefined, [], depth + 1)) {
    const field = defOf(obj).shape?.[tag];
    if (field !== undefined) values.push(...scalarValues(field, depth));
  }
  return values;
}

/** Values of an enum/literal schema (through wrappers); empty for anything open-ended. */
function scalarValues(schema: AnySchema, depth: number): unknown[] {
  const values: unknown[] = [];
  for (const s of expand(schema, undefined, [], depth + 1)) {
    const def = defOf(s);
    if (def.type === 'enum' && def.entries) values.push(...Object.values(def.entries));
    if (def.type === 'literal' && def.values) values.push(...def.values);
  }
  return values;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Concrete schemas that apply at `path`, following the data so unions pick the right option. */
function schemasAt(root: AnySchema, path: readonly PathKey[], data: unknown): AnySchema[] {
  let current = expand(root, data, []);
  let value = data;
  for (const seg of path) {
    const child_value = value !== null && typeof value === 'object' ? (value as Record<PathKey, unknown>)[seg] : undefined;
    const next: AnySchema[] = [];
    for (const s of current) {
      const def = defOf(s);
      let child: AnySchema | null | undefined;
      if (def.type === 'object') child = def.shape?.[String(seg)] ?? def.catchall;
      else if (def.type === 'array') child = def.element;
      else if (def.type === 'record') child = def.valueType;
      else if (def.type === 'tuple' && typeof seg === 'number') child = def.items?.[seg] ?? def.rest;
      if (child) expand(child, child_value, next);
    }
    current = next;
    value = child_value;
  }
  return current;
}

/** Keys the schema allows in the mapping at `path` (sorted), for did-you-mean. */
export function allowedKeys(root: AnySchema, path: readonly PathKey[], data: unknown): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(root, path, data)) {
    const def = defOf(s);
    if (def.type === 'object' && def.shape) for (const k of Object.keys(def.shape)) keys.add(k);
    // Exhaustive records (z.record(z.enum([...]), ...)) have a closed key set too.
    if (def.type === 'record' && def.keyType) for (const v of scalarValues(def.keyType, 0)) keys.add(String(v));
  }
  return [...keys].sort();
}

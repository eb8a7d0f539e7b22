/**
 * A deliberately small, strict XML reader for tests (no XML package is installed): elements,
 * attributes in double quotes, text, the five predefined entities and numeric character
 * references. It throws on anything malformed — mismatched tags, a raw `<` or `&` in text, an
 * unknown entity, trailing content — so parsing our JUnit output back is a real well-formedness
 * check, not a regex match.
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&([^;\s]*);|&/g, (m, name: string | undefined) => {
    if (name === undefined) throw new Error(`XML: bare "&" (not an entity) in ${JSON.stringify(s)}`);
    if (name.startsWith('#x')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10));
    const v = ENTITIES[name];
    if (v === undefined) throw new Error(`XML: unknown entity ${m}`);
    return v;
  });
}

const NAME = /[A-Za-z_][\w.-]*/y;

export function parseXml(text: string): XmlNode {
  let pos = 0;
  const s = text.replace(/^\uFEFF/, '');
  const skipSpace = (): void => {
    while (pos < s.length && /\s/.test(s[pos]!)) pos++;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(s);
    if (!m) throw new Error(`XML: expected a name at ${pos}`);
    pos = NAME.lastIndex;
    return m[0];
  };
  skipSpace();
  if (s.startsWith('<?xml', pos)) {
    const end = s.indexOf('?>', pos);
    if (end < 0) throw new Error('XML: unterminated declaration');
    pos = end + 2;
  }
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  for (;;) {
    const lt = s.indexOf('<', pos);
    const chunk = s.slice(pos, lt < 0 ? s.length : lt);
    if (stack.length > 0) stack[stack.length - 1]!.text += decode(chunk);
    else if (chunk.trim() !== '') throw new Error('XML: text outside the root element');
    if (lt < 0) break;
    pos = lt + 1;
    if (s[pos] === '/') {
      pos++;
      const name = readName();
      skipSpace();
      if (s[pos] !== '>') throw new Error(`XML: malformed end tag </${name}`);
      pos++;
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`XML: mismatched </${name}> (open: ${open?.name ?? 'none'})`);
      if (stack.length === 0) root = open;
      continue;
    }
    if (root !== undefined) throw new Error('XML: more than one root element');
    const node: XmlNode = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      skipSpace();
      if (s.startsWith('/>', pos)) {
        pos += 2;
        if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
        else root = node;
        break;
      }
      if (s[pos] === '>') {
        pos++;
        if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
        stack.push(node);
        break;
      }
      const attr = readName();
      if (s[pos] !== '=' || s[pos + 1] !== '"') throw new Error(`XML: attribute ${attr} needs ="…"`);
      const end = s.indexOf('"', pos + 2);
      if (end < 0) throw new Error('XML: unterminated attribute');
      const raw = s.slice(pos + 2, end);
      if (raw.includes('<')) throw new Error('XML: "<" in an attribute value');
      if (attr in node.attrs) throw new Error(`XML: duplicate attribute ${attr}`);
      node.attrs[attr] = decode(raw);
      pos = end + 1;
    }
    if (root !== undefined && stack.length === 0) {
      if (s.slice(pos).trim() !== '') throw new Error('XML: content after the root element');
      break;
    }
  }
  if (stack.length > 0) throw new Error(`XML: unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('XML: no root element');
  return root;
}

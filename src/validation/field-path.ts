/** Turns a JSON pointer (`/spec/credentials/0/name`) into the path users write (`spec.credentials[0].name`). */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => joinPath(path, /^\d+$/.test(segment) ? `[${segment}]` : keySegment(segment)), '');
}

/** Keys longer than this are not shown: a message must not carry long input (a pasted credential, a huge key). */
const SHOWN_KEY_MAX = 128;

/**
 * How a key appears in a path: `name` when it reads as an identifier, `["a/b"]` when short and printable ASCII,
 * otherwise `[<key of N characters>]`, which says which key without repeating it.
 */
export function keySegment(key: string): string {
  if (key.length > SHOWN_KEY_MAX || !/^[\x20-\x7e]*$/.test(key)) return `[<key of ${key.length} characters>]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
}

export function joinPath(base: string, child: string): string {
  if (base === '') return child;
  if (child === '') return base;
  return child.startsWith('[') ? `${base}${child}` : `${base}.${child}`;
}

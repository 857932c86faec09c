export function exportsOf(text: string): Set<string>;
export function importedNames(text: string): Array<{ chunk: string; name: string }>;
export function checkChunkImports(dist: string, mainBundle?: string): string[];

// The floor any Node KRM function pays (issue 12): read the ResourceList on stdin, parse it with the yaml library
// (`parseDocument`, as imps-krm does), write it back. Bundled by bench/startup.bench.ts the way the CLI is bundled.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

const doc = parseDocument(readFileSync(0, 'utf8'));
process.stdout.write(doc.toString());

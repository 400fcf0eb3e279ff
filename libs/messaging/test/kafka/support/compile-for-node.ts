import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../..');
/** Inside the repository's node_modules, so the output resolves `kafkajs` and `@nestjs/common` like the sources. */
const OUT = join(REPO, 'node_modules', '.cache', 'momentum-kafka-tests');
const RELATIVE_IMPORT = /(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * Transpiles a TypeScript entry and every file it imports relatively into plain ESM JavaScript that
 * `node` runs as is, and returns the compiled entry's path. For child processes of the integration
 * suites: no build of the whole project, so other work in progress cannot break them, and type
 * errors are the type checker's business, not this helper's.
 */
export function compileForNode(entry: string): string {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'package.json'), '{ "type": "module" }\n');
  const pending = [resolve(entry)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    writeOutput(file, source);
    for (const [, specifier] of source.matchAll(RELATIVE_IMPORT)) {
      pending.push(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
    }
  }
  return outputOf(resolve(entry));
}

function writeOutput(file: string, source: string): void {
  const { outputText } = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      esModuleInterop: true,
    },
  });
  const output = outputOf(file);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, outputText);
}

function outputOf(file: string): string {
  return join(OUT, relative(REPO, file)).replace(/\.ts$/, '.js');
}

// Lets a child process run the TypeScript sources directly: `node --import ./ts-hooks.mjs child.ts`.
// Resolves `@momentum/<lib>` to libs/<lib>/src/index.ts and `./x.js` to `./x.ts`, and transpiles .ts
// files with the repository's decorator settings (what ts-jest does for the test process itself).
import { existsSync, readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const compilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2023,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  inlineSourceMap: true,
};

registerHooks({
  resolve(specifier, context, nextResolve) {
    const lib = /^@momentum\/([a-z-]+)$/.exec(specifier);
    if (lib) return { url: pathToFileURL(`${root}libs/${lib[1]}/src/index.ts`).href, shortCircuit: true };
    if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
      if (existsSync(candidate)) return { url: candidate.href, shortCircuit: true };
    }
    return nextResolve(specifier, context);
  },
  load(url, context, nextLoad) {
    if (!url.endsWith('.ts')) return nextLoad(url, context);
    const fileName = fileURLToPath(url);
    const { outputText } = ts.transpileModule(readFileSync(fileName, 'utf8'), { fileName, compilerOptions });
    return { format: 'module', source: outputText, shortCircuit: true };
  },
});

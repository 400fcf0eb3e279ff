// Jest 30 + ts-jest, ESM (run with `node --experimental-vm-modules`; see scripts/test.sh).
//
// Suites are split into three projects by file name:
//   unit         libs/*/test/**/*.spec.ts, apps/*/test/**/*.spec.ts (not *.int.spec.ts)  nothing external
//   integration  **/*.int.spec.ts                                                          real Kafka and/or PostgreSQL
//   e2e          test/**/*.e2e.spec.ts                                                     real Kafka and PostgreSQL
// Pick one with `--selectProjects unit` (what `npm run test:fast` does).

const rootDir = import.meta.dirname;

/** Shared by every project: the ts-jest ESM transform, path aliases, reflect-metadata. */
const base = {
  rootDir,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@momentum/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  setupFiles: ['reflect-metadata'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/coverage/'],
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/*/test/**/*.spec.ts', '<rootDir>/apps/*/test/**/*.spec.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, '\\.int\\.spec\\.ts$'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/**/*.int.spec.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e.spec.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, '\\.int\\.spec\\.ts$'],
    },
  ],
};

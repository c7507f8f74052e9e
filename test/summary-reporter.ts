import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Prints the closing line CI reads, `N passed, N failed`, which vitest's own summary is not.
 * A module that failed to load counts as a failure, so a broken import never reads as green; so
 * does a test vitest reports as skipped because a beforeAll around it threw (a server that is not
 * installed, say): vitest's own summary calls those "skipped", and a fresh machine then read as
 * "4 failed, 37 skipped" when 41 tests had not passed.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let neverRan = 0;
    let skipped = 0;
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed += 1;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else if (underFailedSetup(test)) neverRan += 1;
        else skipped += 1;
      }
    }
    const failedText = neverRan > 0 ? `${failed + neverRan} failed (${neverRan} never ran: their setup failed)` : `${failed} failed`;
    process.stdout.write(`\n${passed} passed, ${failedText}${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}

/** A hook's error is kept on the suite (or module) it belongs to; a test skipped on purpose has none above it. */
function underFailedSetup(test: TestCase): boolean {
  for (let parent = test.parent; ; parent = parent.parent) {
    if (parent.errors().length > 0) return true;
    if (parent.type === 'module') return false;
  }
}

// Asserting that a promise rejects, with an error `ok` accepts.
import * as assert from 'uvu/assert';

export async function rejects(p: Promise<unknown>, ok: (e: unknown) => boolean): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(ok(e), `unexpected error: ${String(e)}`);
    return;
  }
  assert.unreachable('should have rejected');
}

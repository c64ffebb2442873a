// The Redis the coordination suites use (127.0.0.1:6379, or ZONECAST_TEST_REDIS_URL). Each run keeps its
// keys under a namespace of its own (`?namespace=`), so runs never meet, and removes them afterwards.
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';

export const REDIS_URL = process.env.ZONECAST_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Null when Redis answers PING, else why not. */
export async function redisUnavailable(): Promise<string | null> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    return `Redis at ${REDIS_URL}: ${(err as Error).message}`;
  } finally {
    if (client.isOpen) await client.quit();
  }
}

/** A namespace of this run's own, and the function that removes its keys. */
export function scratchNamespace(): { namespace: string; url: string; drop(): Promise<void> } {
  const namespace = `zonecast-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  return {
    namespace,
    url: `${REDIS_URL}?namespace=${namespace}`,
    async drop() {
      const client = createClient({ url: REDIS_URL });
      client.on('error', () => {});
      await client.connect();
      try {
        const keys = await client.keys(`${namespace}:*`);
        if (keys.length > 0) await client.del(keys);
      } finally {
        await client.quit();
      }
    },
  };
}

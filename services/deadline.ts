// Bounding a wait: the services promise a 503 within seconds, never a hang, so every wait on something
// outside the process (the broker, the database) goes through here.

/** What `work` resolves to, or the error `onTimeout()` returns once `ms` have passed first. */
export async function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

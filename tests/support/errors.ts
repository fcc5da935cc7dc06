/** The messages of an error and of its causes (Drizzle wraps the driver's error in `cause`). */
export async function rejectionText(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const parts: string[] = [];
    for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message);
    return parts.join(' <- ');
  }
  throw new Error('expected the promise to reject, it resolved');
}

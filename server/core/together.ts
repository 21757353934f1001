/** Runs a database step and a Docker step side by side to their end (nothing left running behind a
 * failure) and throws the first failure, Docker's (`work`) before the database's: it is what the user
 * must hear first (5003 before a quota), and a launch's real outcome. */
export async function together<A, B>(store: Promise<A>, work: Promise<B>): Promise<[A, B]> {
  const [s, w] = await Promise.allSettled([store, work]);
  if (w.status === 'rejected') throw w.reason;
  if (s.status === 'rejected') throw s.reason;
  return [s.value, w.value];
}

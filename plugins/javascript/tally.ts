/** Counts by name, at most `max` distinct names (later new names are counted in `dropped`). */
export class Tally {
  readonly counts = new Map<string, number>();
  dropped = 0;
  total = 0;
  constructor(private readonly max: number) {}

  add(name: string, n = 1): void {
    this.total += n;
    const had = this.counts.get(name);
    if (had !== undefined) this.counts.set(name, had + n);
    else if (this.counts.size < this.max) this.counts.set(name, n);
    else this.dropped += n;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

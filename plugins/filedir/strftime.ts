const pad = (n: number, width = 2) => String(n).padStart(width, '0');

const DIRECTIVES: Record<string, (d: Date) => string> = {
  Y: (d) => pad(d.getFullYear(), 4),
  m: (d) => pad(d.getMonth() + 1),
  d: (d) => pad(d.getDate()),
  H: (d) => pad(d.getHours()),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  '%': () => '%',
};

/** The directives `strftime` understands, for validating a format before it is used. */
export function unknownDirectives(format: string): string[] {
  return [...format.matchAll(/%(.?)/g)].filter((m) => !(m[1]! in DIRECTIVES)).map((m) => `%${m[1]}`);
}

/**
 * Python's `datetime.strftime` for the subset that date-based folders use (%Y %m %d %H %M %S %%),
 * in local time as upstream (`datetime.now()`).
 */
export function strftime(format: string, date: Date): string {
  return format.replace(/%(.?)/g, (whole, directive: string) => {
    const render = DIRECTIVES[directive];
    if (!render) throw new Error(`unsupported strftime directive ${whole} in "${format}" (supported: %Y %m %d %H %M %S %%)`);
    return render(date);
  });
}

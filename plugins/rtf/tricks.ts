/** What each trick means, for the report: readers should not need the source. */
export const TRICK_MEANINGS: Record<string, string> = {
  no_rtf_header: 'the data does not start with {\\rt (parsed anyway)',
  rtf_header_without_f: 'starts with {\\rt but not {\\rtf, which Word still opens',
  group_inside_objdata: 'a { group opened inside \\objdata (its text still counts as object data)',
  control_word_inside_objdata: 'a control word that is no destination inside \\objdata (ignored by Word)',
  destination_inside_objdata: 'another destination opened inside \\objdata; object data resumes after it',
  objdata_ended_by_destination: 'a destination opened at the same group level ended \\objdata early',
  non_hex_in_objdata: 'characters that are neither hex digits nor whitespace inside \\objdata (skipped)',
  escaped_byte_inside_objdata: "a \\'hh escape inside \\objdata (it and its two bytes are skipped)",
  odd_digit_dropped_before_escape: "an odd hex digit dropped before \\'hh, as Word's parser does",
  odd_hex_digit_count: 'an odd number of hex digits in \\objdata (the last one is ignored)',
  bin_in_objdata: 'raw \\binN bytes inside \\objdata (they join the object data)',
  bin_without_length: '\\bin without a length (read as 0)',
  bin_negative_length: '\\bin with a negative length (read as 0)',
  bin_past_end: '\\binN declares more bytes than the file has',
  unbalanced_closing_brace: 'more } than {: the document destination itself was closed',
  groups_open_at_end: 'groups still open at the end of the data',
  overlong_control_word: 'a backslash followed by more than 250 letters (rtfobj stops reading the file here)',
  backslash_at_end: 'a lone backslash ends the data (rtfobj stops reading the file here)',
};

export interface TrickSeen {
  trick: string;
  meaning: string;
  count: number;
  first_offset: number;
}

/** Obfuscation and malformation seen while walking the document, counted by kind. */
export class Tricks {
  private readonly seen = new Map<string, { count: number; first: number }>();

  add(trick: string, offset: number): void {
    const s = this.seen.get(trick);
    if (s) s.count++;
    else this.seen.set(trick, { count: 1, first: offset });
  }

  list(): TrickSeen[] {
    return [...this.seen].map(([trick, s]) => ({ trick, meaning: TRICK_MEANINGS[trick] ?? trick, count: s.count, first_offset: s.first }));
  }
}

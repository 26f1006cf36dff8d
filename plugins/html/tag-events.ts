import { Tokenizer } from 'htmlparser2';

export interface TagHandler {
  onopentag(name: string, attribs: Record<string, string>): void;
  ontext(text: string): void;
  onclosetag(name: string): void;
}

/**
 * htmlparser2's Tokenizer driven directly, without its Parser: the Parser keeps the open elements in
 * an array it `unshift`s, so nesting N deep costs O(N²) (80,000 `<div>`s took 10 s). The collector
 * needs no element stack, only tags with their attributes, text and end tags. The Tokenizer still
 * does the HTML work: entities decoded, script/style as raw text, title/textarea as RCDATA.
 */
export function tokenize(text: string, handler: TagHandler): void {
  let tagName = '';
  let attribs: Record<string, string> = {};
  let attribName = '';
  let attribValue = '';
  const slice = (start: number, end: number) => text.slice(start, end);
  const openEnd = () => {
    handler.onopentag(tagName, attribs);
    attribs = {};
  };
  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: true },
    {
      ontext: (start, end) => handler.ontext(slice(start, end)),
      ontextentity: (cp) => handler.ontext(String.fromCodePoint(cp)),
      onopentagname(start, end) {
        const name = slice(start, end).toLowerCase();
        tagName = name === 'image' ? 'img' : name;
        attribs = {};
      },
      onattribname(start, end) {
        attribName = slice(start, end).toLowerCase();
        attribValue = '';
      },
      onattribdata(start, end) {
        attribValue += slice(start, end);
      },
      onattribentity(cp) {
        attribValue += String.fromCodePoint(cp);
      },
      onattribend() {
        // The first of duplicated attributes wins, as in browsers.
        if (!Object.hasOwn(attribs, attribName)) attribs[attribName] = attribValue;
        attribValue = '';
      },
      onopentagend: openEnd,
      // `<br/>` in HTML is an ordinary start tag.
      onselfclosingtag: openEnd,
      onclosetag: (start, end) => handler.onclosetag(slice(start, end).toLowerCase()),
      oncomment() {},
      oncdata() {},
      ondeclaration() {},
      onprocessinginstruction() {},
      onend() {},
      isInForeignContext: () => false,
    },
  );
  tokenizer.write(text);
  tokenizer.end();
}

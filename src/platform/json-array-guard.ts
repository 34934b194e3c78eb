/**
 * Counts, as a body arrives, the elements of every array that is a field of the top-level object
 * (`{"items":[…]}`), and says stop once one holds more than `max`. A JSON batch of 200,000 items is then
 * refused after its first few hundred kilobytes, before anything parses or buffers the rest: parsing it
 * whole would block the event loop for tens of milliseconds and hold tens of megabytes, per request.
 * It only has to be right for valid JSON; anything else fails JSON.parse afterwards anyway.
 */
export function createArrayLengthGuard(max: number): (chunk: Uint8Array) => boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let inArray = false; // the container open at depth 2 is an array
  let count = 0;
  let inElement = false;
  const startElement = () => {
    if (depth === 2 && inArray && !inElement) {
      inElement = true;
      count++;
    }
  };
  return (chunk) => {
    const n = chunk.length;
    let i = 0;
    let slashAt = -2; // the next backslash at or after i, -1 when none is left, -2 before the first search
    while (i < n) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i++;
          continue;
        }
        // Most of a body is string content: jump to the next quote or backslash with native searches.
        const quote = chunk.indexOf(0x22, i);
        if (slashAt === -2 || (slashAt >= 0 && slashAt < i)) slashAt = chunk.indexOf(0x5c, i);
        const slash = slashAt;
        const stop = slash >= 0 && (quote < 0 || slash < quote) ? slash : quote;
        if (stop < 0) return count <= max;
        if (stop === slash) escaped = true;
        else inString = false;
        i = stop + 1;
        continue;
      }
      const c = chunk[i++]!;
      if (c <= 0x20) continue; // whitespace
      if (c === 0x22) {
        startElement();
        inString = true;
      } else if (c === 0x7b || c === 0x5b) {
        startElement();
        depth++;
        if (depth === 2) {
          inArray = c === 0x5b;
          count = 0;
          inElement = false;
        }
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
      } else if (c === 0x2c) {
        if (depth === 2) inElement = false;
      } else {
        startElement(); // a number, true, false or null
      }
      if (count > max) return false;
    }
    return count <= max;
  };
}


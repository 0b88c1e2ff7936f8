/** Text processing for the raw-TCP chat protocol: bytes in, safe lines and names out. No I/O. */
export { TelnetFilter } from "./telnet-filter.js";
export { LineSplitter, type LineSplitterOptions, type SplitResult } from "./line-splitter.js";
export { decodeLine, sanitize, isBlank } from "./sanitize.js";
export { applyBackspaces } from "./backspace.js";
export { validateName, nameKey, nameSkeleton, NAME_MAX_LENGTH, RESERVED_NAMES, RESERVED_PREFIXES, RESERVED_EXACT, type NameCheck } from "./names.js";

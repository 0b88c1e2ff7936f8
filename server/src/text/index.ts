/** Text processing for the raw-TCP chat protocol: bytes in, safe lines and names out. No I/O. */
export { TelnetFilter } from "./telnet-filter.js";
export { LineSplitter, type LineSplitterOptions, type SplitResult } from "./line-splitter.js";
export { decodeLine, sanitize, isBlank } from "./sanitize.js";
export { applyBackspaces } from "./backspace.js";
export { validateName, nameKey, NAME_MAX_LENGTH, RESERVED_NAMES, type NameCheck } from "./names.js";

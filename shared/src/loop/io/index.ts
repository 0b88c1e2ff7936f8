export { SocketWatch } from "./socket-watch.js";
export { StreamReader, LineTooLong, type ReadLineOptions } from "./stream-reader.js";
export { StreamWriter, StreamClosed } from "./stream-writer.js";
export { once } from "./once.js";
export { Connection, connect, type ConnectOptions } from "./connection.js";
export { Listener, listen, serve, type Acceptor, type AcceptedConnection, type ListenOptions, type ServeOptions } from "./serve.js";

export { WsConnection, type WsClosed, type WsConnectionOptions } from "./ws-connection.js";

export { WsConnection, type WsClosed, type WsConnectionOptions } from "./ws-connection.js";
export { ChatLink, type JoinResult } from "./chat-link.js";

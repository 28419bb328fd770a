/* The resident's follow page (ES module): rate once and reopen, posted with the follow token
 * (read from this page's address, never written into the page) to the transitions API. */
import { bindActions } from "./demand-actions.js";

const token = new URLSearchParams(location.search).get("token") || "";
bindActions(document.querySelector(".report"), "action-message", { follow_token: token });

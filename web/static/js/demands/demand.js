/* The staff demand page (ES module): the action forms post to the transitions API. */
import { bindActions } from "./demand-actions.js";

bindActions(document.getElementById("demand-page"), "action-message");

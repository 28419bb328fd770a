/* 我的工单 / 待核查 (ES module): the cards' action forms post to the transitions API. */
import { bindActions } from "./demand-actions.js";

bindActions(document.querySelector(".work-page"), "action-message");

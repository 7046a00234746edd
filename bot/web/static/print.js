// The case file's Print button (a script file: the Content-Security-Policy allows no inline script).
"use strict";
document.getElementById("print-button").addEventListener("click", () => window.print());

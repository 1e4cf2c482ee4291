const http = require("tiny-http");
module.exports = { http };

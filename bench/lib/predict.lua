-- wrk script for bench/predict.sh: POSTs the PNGs $PNG_DIR/0.png, 1.png, ... in turn, as the
-- whole body (BODY=raw, Content-Type: image/png) or as one multipart part (BODY=multipart).
local requests = {}
local n = 0

-- Built once per thread in init, where wrk.path and the Host header are known: wrk.format per
-- request would cost the client more than a health check.
init = function(args)
  local dir = os.getenv("PNG_DIR")
  local multipart = os.getenv("BODY") == "multipart"
  local boundary = "----bench"
  local i = 0
  while true do
    local file = io.open(dir .. "/" .. i .. ".png", "rb")
    if not file then break end
    local png = file:read("*a")
    file:close()
    local body, type = png, "image/png"
    if multipart then
      body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"d.png\"\r\n\r\n"
        .. png .. "\r\n--" .. boundary .. "--\r\n"
      type = "multipart/form-data; boundary=" .. boundary
    end
    requests[#requests + 1] = wrk.format("POST", wrk.path, {["Content-Type"] = type}, body)
    i = i + 1
  end
  assert(#requests > 0, "no PNG files in " .. tostring(dir))
end

request = function()
  n = n % #requests + 1
  return requests[n]
end

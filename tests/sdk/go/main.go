// Signs requests with the official Go SDK (github.com/huaweicloud/huaweicloud-sdk-go-v3,
// core/auth), a second oracle for rotor's signer (see ../test_signer_vs_sdk.py, which runs
// it only when ROTOR_SDK_GO=1). Reads one JSON object per line on stdin:
//
//	{"method", "endpoint", "path" (template with path params already filled, unescaped,
//	 as the Go SDK's generated clients fill them), "path_params" {name: value},
//	 "query" [[key, value-or-list], ...], "headers" {...}, "body" string|null,
//	 "body_json" object|null (serialised by the SDK), "ak", "sk", "project_id",
//	 "security_token"}
//
// and prints per line {"signed_headers", "signature", "wire_path", "wire_query",
// "headers" (as sent, without Authorization), "body" (bytes sent)}, or {"error"}.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer/algorithm"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
)

type input struct {
	Method        string            `json:"method"`
	Endpoint      string            `json:"endpoint"`
	Path          string            `json:"path"`
	PathParams    map[string]string `json:"path_params"`
	Query         [][2]interface{}  `json:"query"`
	Headers       map[string]string `json:"headers"`
	Body          *string           `json:"body"`
	BodyJSON      interface{}       `json:"body_json"`
	AK            string            `json:"ak"`
	SK            string            `json:"sk"`
	ProjectID     string            `json:"project_id"`
	SecurityToken string            `json:"security_token"`
}

type output struct {
	SignedHeaders string            `json:"signed_headers,omitempty"`
	Signature     string            `json:"signature,omitempty"`
	WirePath      string            `json:"wire_path,omitempty"`
	WireQuery     string            `json:"wire_query"`
	Headers       map[string]string `json:"headers,omitempty"`
	Body          string            `json:"body"`
	Error         string            `json:"error,omitempty"`
}

func sign(in input) (output, error) {
	// As HcHttpClient.buildRequest does, with the default HttpConfig's algorithm.
	b := request.NewHttpRequestBuilder().WithMethod(in.Method).WithEndpoint(in.Endpoint).
		WithPath(in.Path).WithSigningAlgorithm(algorithm.GetDefaultSigningAlgorithm())
	for k, v := range in.PathParams {
		b.AddPathParam(k, v)
	}
	for _, kv := range in.Query {
		key, ok := kv[0].(string)
		if !ok {
			return output{}, fmt.Errorf("query key %v is not a string", kv[0])
		}
		switch v := kv[1].(type) {
		case []interface{}:
			strs := make([]string, 0, len(v))
			for _, s := range v {
				strs = append(strs, fmt.Sprintf("%v", s))
			}
			b.AddQueryParam(key, reflect.ValueOf(strs))
		default:
			b.AddQueryParam(key, reflect.ValueOf(v))
		}
	}
	for k, v := range in.Headers {
		b.AddHeaderParam(k, v)
	}
	if in.Body != nil {
		b.WithBody("", *in.Body)
	} else if in.BodyJSON != nil {
		b.WithBody("", in.BodyJSON)
	}
	req := b.Build()

	creds := auth.BasicCredentials{
		BaseCredentials: auth.BaseCredentials{AK: in.AK, SK: in.SK, SecurityToken: in.SecurityToken},
		ProjectId:       in.ProjectID,
	}
	req, err := creds.ProcessAuthRequest(nil, req)
	if err != nil {
		return output{}, err
	}

	headers := map[string]string{}
	var authz string
	for k, v := range req.GetHeaderParams() {
		if k == "Authorization" {
			authz = v
		} else {
			headers[k] = v
		}
	}
	prefix := "SDK-HMAC-SHA256 Access=" + in.AK + ", SignedHeaders="
	if !strings.HasPrefix(authz, prefix) {
		return output{}, fmt.Errorf("unexpected Authorization %q", authz)
	}
	parts := strings.SplitN(strings.TrimPrefix(authz, prefix), ", Signature=", 2)
	if len(parts) != 2 {
		return output{}, fmt.Errorf("unexpected Authorization %q", authz)
	}

	httpReq, err := req.ConvertRequest()
	if err != nil {
		return output{}, err
	}
	body := &bytes.Buffer{}
	if httpReq.Body != nil {
		if _, err := body.ReadFrom(httpReq.Body); err != nil {
			return output{}, err
		}
	}
	return output{SignedHeaders: parts[0], Signature: parts[1], WirePath: httpReq.URL.EscapedPath(),
		WireQuery: httpReq.URL.RawQuery, Headers: headers, Body: body.String()}, nil
}

func main() {
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for scanner.Scan() {
		line := scanner.Bytes()
		if len(line) == 0 {
			continue
		}
		var in input
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var out output
		if err := dec.Decode(&in); err != nil {
			out = output{Error: err.Error()}
		} else if out, err = sign(in); err != nil {
			out = output{Error: err.Error()}
		}
		if err := enc.Encode(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

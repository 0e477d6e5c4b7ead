package runtime_test

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/microshop/microshop/local/code"
	"github.com/microshop/microshop/local/internal/syncbuf"
	"github.com/microshop/microshop/local/runtime"
)

// The stacks under ../testdata/ownstacks are written the way other people write them and
// were synthesized once with the repository's CDK CLI; their asset folders are not
// committed, so each test builds (or fakes) the bootstrap its story needs in a copy.

// Logical IDs and asset paths of the synthesized templates.
const (
	helloID     = "HelloFunctionD909AE8C"
	helloAsset  = "cdk.out/asset.4c6b62df97f1419efd49106ce6e8dbd5057892029fbab3231cd4b5a25a1a97fa"
	zipAsset    = "cdk.out/asset.8e834679e8a479cbef900572ec52ff858e2689c37f16d7acd4feb4109e05f522.zip"
	greetID     = "GreetFunction28A9895A"
	greetAsset  = "cdk.out/asset.4c6b62df97f1419efd49106ce6e8dbd5057892029fbab3231cd4b5a25a1a97fa"
	cdkAssetTpl = "cdk.out/CdkAsset.template.json"
	nestedTpl   = "cdk.out/CdkNested.template.json"
)

// copyApp copies ownstacks/<name> into a temporary folder and returns the copy's path.
func copyApp(t testing.TB, name string) string {
	t.Helper()
	src := filepath.Join("..", "testdata", "ownstacks", name)
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// goBuild builds the main package pkg of the module in dir into out, for linux/goarch.
func goBuild(t testing.TB, dir, pkg, out, goarch string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// otherArch is an architecture this machine does not run, with its ELF machine.
func otherArch() (string, elf.Machine) {
	if goruntime.GOARCH == "arm64" {
		return "amd64", elf.EM_X86_64
	}
	return "arm64", elf.EM_AARCH64
}

// writeELF writes an executable ELF header for machine (enough for any reader of headers,
// including devcloud's) at path.
func writeELF(t testing.TB, path string, machine elf.Machine) {
	t.Helper()
	h := elf.Header64{Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
		Ehsize: 64, Phentsize: 56, Shentsize: 64}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, h); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
}

// zipFile writes a .zip at path holding file as "bootstrap".
func zipFile(t testing.TB, path, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(code.Bootstrap) // no mode recorded, as many zip tools write it
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = os.WriteFile(path, buf.Bytes(), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// httpGet returns the status and body of GET url.
func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, b := send(t, req)
	return resp.StatusCode, string(b)
}

// getWith returns the status and body of GET url with the header name: value, sent only
// when value is not empty.
func getWith(t testing.TB, url, name, value string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if value != "" {
		req.Header.Set(name, value)
	}
	resp, b := send(t, req)
	return resp.StatusCode, string(b)
}

// send does req and returns the response with its whole body read (and closed).
func send(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// files lists the regular files under dir.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A standard Go CDK app: Code.fromAsset of a pre-built folder and of a .zip, behind an HTTP
// API. Both bootstraps are built for this machine, so devcloud runs them as they are.
func TestCDKAppWithFolderAndZipAssets(t *testing.T) {
	app := copyApp(t, "cdkasset")
	bin := filepath.Join(app, helloAsset, code.Bootstrap)
	goBuild(t, app, "./hello", bin, goruntime.GOARCH)
	zipFile(t, filepath.Join(app, zipAsset), bin)
	before := files(t, app)
	cache := t.TempDir()

	log := &syncbuf.Buffer{}
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join(app, cdkAssetTpl), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(),
		CacheDir: cache, Watch: true, Log: log,
	})
	for _, tc := range []struct{ path, want string }{
		{"/hello", `{"message":"hello from a folder asset","path":"/hello"}`},
		{"/zip", `{"message":"hello from a zip asset","path":"/zip"}`},
	} {
		status, body := httpGet(t, rt.APIURL()+tc.path)
		if status != 200 || body != tc.want {
			t.Errorf("GET %s = %d %s, want 200 %s", tc.path, status, body, tc.want)
		}
	}
	if diff := cmp.Diff(before, files(t, app)); diff != "" {
		t.Errorf("serving changed the app's folder (-before +after):\n%s", diff)
	}
	if got, _ := filepath.Glob(filepath.Join(cache, "zip", "*", code.Bootstrap)); len(got) != 1 {
		t.Errorf("extracted bootstraps in the cache: %q, want one", got)
	}
	if !strings.Contains(log.String(), "there is no Go source to watch") {
		t.Errorf("log does not say why nothing is watched:\n%s", log)
	}
}

// `cdk synth --no-asset-metadata` leaves no aws:asset:path: the code's S3Key is found in the
// assets manifest next to the template instead.
func TestCDKAssetFoundByS3KeyWithoutAssetMetadata(t *testing.T) {
	app := copyApp(t, "cdkasset")
	goBuild(t, app, "./hello", filepath.Join(app, helloAsset, code.Bootstrap), goruntime.GOARCH)
	tpl := filepath.Join(app, cdkAssetTpl)
	data, err := os.ReadFile(tpl)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	stripped := 0
	for _, r := range doc["Resources"].(map[string]any) {
		if md, ok := r.(map[string]any)["Metadata"].(map[string]any); ok {
			for k := range md {
				if strings.HasPrefix(k, "aws:asset:") {
					delete(md, k)
					stripped++
				}
			}
		}
	}
	if stripped == 0 {
		t.Fatal("the fixture has no asset metadata to remove")
	}
	if data, err = json.Marshal(doc); err == nil {
		err = os.WriteFile(tpl, data, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}

	rt := startRuntime(t, runtime.Config{
		Template: tpl, APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(), CacheDir: t.TempDir(),
		Functions: []string{helloID},
	})
	if status, body := httpGet(t, rt.APIURL()+"/hello"); status != 200 || !strings.Contains(body, "hello from a folder asset") {
		t.Errorf("GET /hello = %d %s", status, body)
	}
}

// A Graviton bootstrap cannot run on this machine and the template does not say where its
// source is: Start fails and says which function, which file, which architecture, and the
// fix.
func TestWrongArchitectureBootstrapWithoutSourceNamesTheFix(t *testing.T) {
	app := copyApp(t, "cdknested")
	arch, machine := otherArch()
	bin := filepath.Join(app, greetAsset, code.Bootstrap)
	writeELF(t, bin, machine)

	_, err := runtime.Start(context.Background(), runtime.Config{
		Template: filepath.Join(app, nestedTpl), KeyDir: t.TempDir(), CacheDir: t.TempDir(),
	})
	if !errors.Is(err, code.ErrNoCode) {
		t.Fatalf("Start: %v, want ErrNoCode", err)
	}
	for _, want := range []string{greetID, bin, "linux/" + arch, "this machine is " + goruntime.GOOS + "/" + goruntime.GOARCH, "--source " + greetID + "=DIR"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// A function in its own nested module, named in devcloud.yaml by its construct ID: devcloud
// builds it in that module (not the CDK app's) instead of the Graviton bootstrap, into the
// cache, and rebuilds it when its source changes.
func TestNestedModuleBuiltFromSourceAndHotReloaded(t *testing.T) {
	app := copyApp(t, "cdknested")
	_, machine := otherArch()
	writeELF(t, filepath.Join(app, greetAsset, code.Bootstrap), machine)
	sources, err := code.LoadSources(filepath.Join(app, code.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	sources["NoSuchFunction"] = filepath.Join(app, "functions") // a typo is reported, not fatal
	before := files(t, app)
	cache := t.TempDir()

	log := &syncbuf.Buffer{}
	rt := startRuntime(t, runtime.Config{
		Template: filepath.Join(app, nestedTpl), APIAddr: "127.0.0.1:0", KeyDir: t.TempDir(),
		CacheDir: cache, Sources: sources, Watch: true, Log: log,
	})
	if status, body := httpGet(t, rt.APIURL()+"/greet/ada"); status != 200 || body != `{"greeting":"hi ada"}` {
		t.Fatalf("GET /greet/ada = %d %s", status, body)
	}
	if diff := cmp.Diff(before, files(t, app)); diff != "" {
		t.Errorf("the build wrote into the app's folder (-before +after):\n%s", diff)
	}
	if l := log.String(); !strings.Contains(l, "warning: source of NoSuchFunction") || strings.Contains(l, "warning: source of GreetFunction") {
		t.Errorf("want a warning for the unknown name only:\n%s", l)
	}
	if got, _ := filepath.Glob(filepath.Join(cache, "build", "*-greet", "greet")); len(got) != 1 {
		t.Errorf("binaries of the greet module in the cache: %q, want one", got)
	}

	src := filepath.Join(app, "functions", "greet", "main.go")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(data, []byte(`const greeting = "hi"`), []byte(`const greeting = "hello"`), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("the fixture's greeting constant moved")
	}
	if err := os.WriteFile(src, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the edited greeting", 60*time.Second, func() bool {
		_, body := httpGet(t, rt.APIURL()+"/greet/ada")
		return body == `{"greeting":"hello ada"}`
	})
	if !slices.ContainsFunc(strings.Split(log.String(), "\n"), func(l string) bool {
		return strings.Contains(l, greetID+" rebuilt")
	}) {
		t.Errorf("log has no rebuild line:\n%s", log)
	}
}

// samTemplate is what the SAM transform makes of a Go function with an HttpApi event: an
// AWS::Lambda::Function carrying the SAM function's Metadata and its CodeUri as written.
func samTemplate(metadata string) string {
	return `{"Resources": {
  "HelloWorldFunction": {"Type": "AWS::Lambda::Function", "Metadata": ` + metadata + `,
    "Properties": {"Handler": "bootstrap", "Runtime": "provided.al2023", "Architectures": ["arm64"],
      "Environment": {"Variables": {"GREETING": "hello from SAM"}}}},
  "ServerlessHttpApi": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "sam-app", "ProtocolType": "HTTP"}},
  "Integ": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {"ApiId": {"Ref": "ServerlessHttpApi"}, "IntegrationType": "AWS_PROXY", "IntegrationUri": {"Fn::GetAtt": ["HelloWorldFunction", "Arn"]}, "PayloadFormatVersion": "2.0"}},
  "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "ServerlessHttpApi"}, "RouteKey": "GET /hello", "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integ"}]]}}}
}}`
}

// A SAM app outside any Go module: CodeUri is a folder with its own go.mod and
// BuildMethod go1.x (built from source, as `sam build` would), or the folder `sam build`
// wrote, holding a bootstrap for this machine (run as built).
func TestSAMCodeURIOutsideAnyModule(t *testing.T) {
	hello, err := os.ReadFile(filepath.Join("..", "testdata", "ownstacks", "cdkasset", "hello", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join("..", "testdata", "ownstacks", "cdknested", "functions", "greet", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	app := t.TempDir()
	for name, body := range map[string][]byte{
		"hello-world/go.mod":  []byte("module hello-world\n\ngo 1.26\n\nrequire github.com/aws/aws-lambda-go v1.55.1\n"),
		"hello-world/go.sum":  sum,
		"hello-world/main.go": hello,
		"source.json":         []byte(samTemplate(`{"BuildMethod": "go1.x", "LocalRuntime": {"CodeUri": "hello-world/"}}`)),
		"built.json":          []byte(samTemplate(`{"LocalRuntime": {"CodeUri": ".aws-sam/build/HelloWorldFunction"}}`)),
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(app, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(app, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goBuild(t, filepath.Join(app, "hello-world"), ".", filepath.Join(app, ".aws-sam", "build", "HelloWorldFunction", code.Bootstrap), goruntime.GOARCH)

	for _, tc := range []struct{ template, from string }{
		{"source.json", "devcloud: HelloWorldFunction: CodeUri " + filepath.Join(app, "hello-world")},
		{"built.json", "devcloud: HelloWorldFunction: CodeUri " + filepath.Join(app, ".aws-sam", "build", "HelloWorldFunction") + " (" + goruntime.GOOS + "/" + goruntime.GOARCH + " bootstrap)"},
	} {
		t.Run(tc.template, func(t *testing.T) {
			log := &syncbuf.Buffer{}
			rt := startRuntime(t, runtime.Config{
				Template: filepath.Join(app, tc.template), APIAddr: "127.0.0.1:0", CacheDir: t.TempDir(), Log: log,
			})
			if status, body := httpGet(t, rt.APIURL()+"/hello"); status != 200 || body != `{"message":"hello from SAM","path":"/hello"}` {
				t.Errorf("GET /hello = %d %s", status, body)
			}
			if !strings.Contains(log.String(), tc.from+"\n") {
				t.Errorf("log does not say %q:\n%s", tc.from, log)
			}
		})
	}
}

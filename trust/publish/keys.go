package publish

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Key folders inside the key folder. The online folder is the only one a
// machine that runs add and refresh needs; root and targets stay offline.
const (
	keysRoot    = "root"
	keysTargets = "targets"
	keysOnline  = "online"
	keysRetired = "retired"
)

// signingKey is one ed25519 key pair with its TUF key id.
type signingKey struct {
	id     string
	public *metadata.Key
	signer signature.Signer
	// file is where the private key is stored ("" until written).
	file string
}

func keyFromPrivate(priv ed25519.PrivateKey) (*signingKey, error) {
	pub, err := metadata.KeyFromPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	id, err := pub.ID()
	if err != nil {
		return nil, err
	}
	signer, err := signature.LoadED25519Signer(priv)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: id, public: pub, signer: signer}, nil
}

// writeKey stores k's private key as PKCS #8 PEM in dir (created 0700),
// in a file named after the key id, readable by its owner only.
func writeKey(dir string, priv ed25519.PrivateKey, id string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	name := filepath.Join(dir, id[:16]+".pem")
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return "", fmt.Errorf("writing key %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing key %s: %w", name, err)
	}
	return name, nil
}

// generateKey makes a key and writes it to dir before anything refers to
// it, so that no metadata can name a key that was lost.
func generateKey(dir string) (*signingKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating an ed25519 key: %w", err)
	}
	k, err := keyFromPrivate(priv)
	if err != nil {
		return nil, err
	}
	if k.file, err = writeKey(dir, priv, k.id); err != nil {
		return nil, err
	}
	return k, nil
}

// readKey reads a PKCS #8 PEM ed25519 private key (what writeKey writes and
// "openssl genpkey -algorithm ed25519" makes).
func readKey(name string) (*signingKey, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("reading key %s: not a PEM \"PRIVATE KEY\" block", name)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading key %s: %w", name, err)
	}
	priv, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("reading key %s: a %T, not an ed25519 key", name, parsed)
	}
	k, err := keyFromPrivate(priv)
	if err != nil {
		return nil, fmt.Errorf("reading key %s: %w", name, err)
	}
	k.file = name
	return k, nil
}

// readKeys reads every *.pem key in dir, keyed by key id. A missing folder
// holds no keys.
func readKeys(dir string) (map[string]*signingKey, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]*signingKey{}, nil
	}
	if err != nil {
		return nil, err
	}
	keys := map[string]*signingKey{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".pem") {
			continue
		}
		k, err := readKey(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		keys[k.id] = k
	}
	return keys, nil
}

// keysFor returns the keys of dir that sign for a role with the given key
// ids, in key id order.
func keysFor(dir string, keyIDs []string) ([]*signingKey, error) {
	all, err := readKeys(dir)
	if err != nil {
		return nil, err
	}
	var out []*signingKey
	for _, id := range keyIDs {
		if k, ok := all[id]; ok {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out, nil
}

// retireKey moves a key file that no role uses any more to
// <keys>/retired/<role>/, so that the live folders hold only live keys.
func retireKey(keysDir, role string, k *signingKey) error {
	if k.file == "" {
		return nil
	}
	dir := filepath.Join(keysDir, keysRetired, role)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Rename(k.file, filepath.Join(dir, filepath.Base(k.file)))
}

// MissingKeyError reports that a role cannot be signed because the key
// folder lacks its private keys.
type MissingKeyError struct {
	// Role is the role that needs signing ("root", "targets", "online").
	Role string
	// Dir is the folder searched.
	Dir string
	// Have and Need count the usable keys and the role's threshold.
	Have, Need int
}

// Error says which role lacks keys and where they were looked for.
func (e *MissingKeyError) Error() string {
	return fmt.Sprintf("signing %s needs %d of its keys; %s holds %d", e.Role, e.Need, e.Dir, e.Have)
}

// Hint tells where the keys are expected.
func (e *MissingKeyError) Hint() string {
	return fmt.Sprintf("put the %s keys made by \"gopip repo init\" in %s, or name the key folder with --keys", e.Role, e.Dir)
}

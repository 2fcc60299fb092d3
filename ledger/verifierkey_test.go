package ledger

import "testing"

func TestVerifierFromSigner(t *testing.T) {
	skey, vkey, err := GenerateKey("ecinema-test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifierFromSigner(skey + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if got != vkey {
		t.Fatalf("VerifierFromSigner = %q, want %q", got, vkey)
	}
	if _, err := VerifierFromSigner(vkey); err == nil {
		t.Fatal("a verifier key was accepted as a signer key")
	}
}
